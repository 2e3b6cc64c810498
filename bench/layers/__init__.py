"""The layers benchmark (issue #4 §6): ours vs tipg vs the pass-through floor and the SQL."""

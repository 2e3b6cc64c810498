"""Citizens benchmark: trips, schools, routes near, search, network rebuild, memory."""

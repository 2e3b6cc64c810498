"""The editing wing: the route write model (versions, drafts, review), snapping and validation.

Other wings and the layers above use it only through what this module exports.
"""

__all__: list[str] = []

"""InputError: the base of every error about the caller's input; its message is for the end user.

Pages show such messages as they are; any other exception is a bug and is reported as one.
"""


class InputError(ValueError):
    """The input cannot be used (not an image, empty text, too few examples...); says why, plainly."""

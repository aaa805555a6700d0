"""InputError: the base of every error about the caller's input; its message is for the end user.
BackendUnavailable: a backend (WebGPU) cannot run a model here; `load()` falls back to WASM.

Pages show such messages as they are; any other exception is a bug and is reported as one.
"""


class InputError(ValueError):
    """The input cannot be used (not an image, empty text, too few examples...); says why, plainly."""


class BackendUnavailable(RuntimeError):
    """This browser cannot run the model on the backend asked for (no WebGPU, no adapter, or the
    session failed on it); the message says why, plainly."""

"""``rp.backends.mps``: Apple's GPU backend is never available (retroprop runs on the CPU)."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False

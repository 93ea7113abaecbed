from . import allowlist     # noqa: F401
from . import gibberish     # noqa: F401
from . import heuristic     # noqa: F401
from . import regex         # noqa: F401
from . import wordlist      # noqa: F401

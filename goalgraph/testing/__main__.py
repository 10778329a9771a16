"""`python -m goalgraph.testing talking-model DIR`: build the small offline model `make demo` runs on."""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("talking-model", "tiny-model"):
        print("usage: python -m goalgraph.testing talking-model|tiny-model DIR", file=sys.stderr)
        return 2
    import os

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from goalgraph.testing import tiny_models

    build = tiny_models.build_talking_gpt2 if argv[0] == "talking-model" else tiny_models.build_tiny_gpt2
    print(build(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

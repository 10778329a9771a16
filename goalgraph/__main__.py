"""`python -m goalgraph` is the same program as the `goalgraph` console script."""
from goalgraph.cli import main

main()

"""`python cli.py ...` runs the same program as the `goalgraph` console script."""
from goalgraph.cli import main

if __name__ == "__main__":
    main()

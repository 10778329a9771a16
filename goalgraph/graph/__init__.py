"""The knowledge graph: loading and validation, SPARQL, search, node views, paths and export."""

"""kg: press releases in, a validated, linked RDF knowledge graph out, served over SPARQL.

The library (see ``kg.api`` and the README's "Python API"):

    kg.Graph.open(store) / .build(paths) / .query(sparql) / .export(fmt)   a store
    kg.extract(text)                                                      one text, no store

Importing ``kg`` stays cheap: the pipeline (spaCy) loads on first use.
"""

__version__ = "0.1.0"

from kg.api import Entity, Fact, Graph, Reading, Rows, extract

__all__ = ["Entity", "Fact", "Graph", "Reading", "Rows", "__version__", "extract"]

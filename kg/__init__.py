"""kg: press releases in, a validated, linked RDF knowledge graph out, served over SPARQL."""

__version__ = "0.1.0"

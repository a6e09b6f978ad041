"""One screen per module: the six views (app modes), pushed detail screens and modals."""

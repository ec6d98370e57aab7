"""Story files to core models: one module per format, errors that name the problem."""

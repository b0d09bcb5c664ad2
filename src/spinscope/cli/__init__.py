"""Command line of spinscope: thin wrappers that parse, call one library function and print."""

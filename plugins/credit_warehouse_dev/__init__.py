"""Developer tools: synthetic feeds and local stand-ins for the outside systems the pipeline talks to."""

"""tflog as a chatbot backend: the analysis service, its HTTP API and its MCP tools."""

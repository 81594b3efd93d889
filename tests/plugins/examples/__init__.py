"""The one-file plug-ins of docs/plugins.md, one of each kind; tests/plugins installs them."""

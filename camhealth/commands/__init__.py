"""The CLI's sub-commands, one module per noun; `camhealth.cli` puts them together."""

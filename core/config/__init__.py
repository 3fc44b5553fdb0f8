"""Presets: the TOML schema as typed records, its validation, loading and listing, and
the document saved back.

`records` (the frozen records and `Preset`), `reader` (typed value readers and
`PresetError`), `schema` (the tables and their checks), `data` (the [data] table and the
data set it builds), `limits` (what a preset may ask for), `presets` (load, list,
build), `document` (the preset as a document to save).
"""

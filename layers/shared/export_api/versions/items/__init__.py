"""Export items per version: each module holds its version's contract models (the published
`ExportItem*` schemas and their nested shapes) and the one mapper from the accounting entry to them.

Adding a field to a version's export item means its module and its mapper; a new version is a new
module. `parts` holds the nested shapes that more than one version publishes with the same fields, and
`base` what a version's projection is.
"""

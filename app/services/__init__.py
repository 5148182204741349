"""The rules: validation beyond types, permissions and classification, derived fields, audit."""

"""DynamoDB for the console: tables, items read and written, imports, PartiQL."""

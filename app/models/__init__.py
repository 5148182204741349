"""Tables and API schemas, one module per resource. Importing this registers every table."""

from app.discovery import modules

TABLE_MODULES = [m.__name__ for m in modules("app.models")]

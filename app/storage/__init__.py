"""Storage: SQLModel tables, the engine, migrations, backups. Services are the only writers."""

"""Persistent state: SQLAlchemy 2 async ORM, Alembic migrations, repositories."""

"""Flask extensions, created once and bound in create_app()."""
from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    # mypy cannot take a base class from an instance attribute such as db.Model
    # (python/mypy#8603), so it sees the class Flask-SQLAlchemy builds from Base as this
    # one. Without Flask-SQLAlchemy's legacy ``Model.query``: queries here are select()s.
    class Model(Base):
        __abstract__ = True
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

#: Org-unit paths ("/1/4/9/") are compared by byte prefix ranges; PostgreSQL's
#: locale collations would ignore the slashes, so the column uses "C" there.
PATH_TYPE = String(400).with_variant(String(400, collation="C"), "postgresql")

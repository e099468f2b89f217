"""Flask extensions, created once and bound in create_app()."""
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
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

#: Org-unit paths ("/1/4/9/") are compared by byte prefix ranges; PostgreSQL's
#: locale collations would ignore the slashes, so the column uses "C" there.
PATH_TYPE = String(400).with_variant(String(400, collation="C"), "postgresql")

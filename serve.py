"""``uvicorn serve:app``: the kg endpoint built from settings (flags > KG_* env > kg.toml)."""

import kg.settings
from kg.endpoint import create_app

app = create_app(kg.settings.load())

"""Opening the database: Alembic runs only when the schema is behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from offline_cache.database import head_revision, make_engine, migrate, open_checked

ROOT = Path(__file__).resolve().parents[2]


def scripts():  # alembic.script.ScriptDirectory
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "offline_cache" / "migrations"))
    return ScriptDirectory.from_config(config)


def alembic_head() -> str:
    head = scripts().get_current_head()
    assert head is not None
    return head


def schema_version(path: Path) -> list[str]:
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    engine.dispose()
    return [row[0] for row in rows]


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert head_revision() == alembic_head()


def test_a_database_one_migration_behind_is_upgraded_when_opened(tmp_path: Path) -> None:
    # A kiosk still on the last release: its schema one migration behind.
    down = scripts().get_revision(alembic_head()).down_revision
    assert isinstance(down, str)
    path = tmp_path / "kiosk.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, down)
    engine.dispose()
    assert schema_version(path) == [down]
    engine, _key = open_checked(path)
    engine.dispose()
    assert schema_version(path) == [alembic_head()]


def test_a_kiosk_that_started_before_opens_its_database_without_alembic(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    engine, _key = open_checked(path)  # the first start: every migration
    engine.dispose()
    code = (
        "import sys; from pathlib import Path; from offline_cache.database import open_checked; "
        f"open_checked(Path({str(path)!r})); print('alembic' in sys.modules)"
    )
    again = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "False"
    assert schema_version(path) == [alembic_head()]

"""The app's wiring is explicit: no production code looks for test overrides."""

from __future__ import annotations

from pathlib import Path

from api.app import create_app
from api.deps import pooled_layer_read
from api.settings import Settings
from geo.store import PROJECT_ROOT


def test_create_app_reads_items_from_the_pool(tmp_path: Path) -> None:
    app = create_app(Settings(var_dir=tmp_path, _env_file=None))
    assert app.state.layer_read_factory is pooled_layer_read


def test_no_production_code_sniffs_dependency_overrides() -> None:
    sniffing = [
        str(path.relative_to(PROJECT_ROOT))
        for package in ("api", "geo", "layers", "data")
        for path in (PROJECT_ROOT / package).rglob("*.py")
        if "dependency_overrides" in path.read_text(encoding="utf-8")
    ]
    assert sniffing == []

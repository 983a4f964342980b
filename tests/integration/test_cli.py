"""The `lti-tool` command as an administrator uses it: a real process, a real database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from lti_tool.lti import key_files
from lti_tool.lti.keys import KeyCipher
from tests.support.browsing import login_next
from tests.support.browsing import parse
from tests.support.live import KEY_ENCRYPTION_KEY

LTI_TOOL = str(Path(sys.executable).with_name("lti-tool"))


@pytest.fixture
def cli_env(database_url, tmp_path, keys_dir):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LTI_TOOL_INSTANCE_PATH": str(tmp_path / "instance"),
        "LTI_TOOL_KEYS_DIR": str(keys_dir),
        "LTI_TOOL_KEY_ENCRYPTION_KEY": KEY_ENCRYPTION_KEY,
        "LTI_TOOL_BASE_URL": "https://tool.example.org",
    }
    env.pop("REDIS_URL", None)
    return env


def run(env, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [LTI_TOOL, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


MOODLE = [
    "--issuer", "https://moodle.example.edu",
    "--client-id", "k2Jq8eXz1Pw4YtN",
    "--auth-login-url", "https://moodle.example.edu/mod/lti/auth.php",
    "--auth-token-url", "https://moodle.example.edu/mod/lti/token.php",
    "--key-set-url", "https://moodle.example.edu/mod/lti/certs.php",
    "--deployment-id", "1",
    "--name", "Example Moodle",
]  # fmt: skip


def test_platform_add_list_remove(cli_env):
    added = run(cli_env, "platform", "add", *MOODLE, "--deployment-id", "2")
    assert "https://tool.example.org/lti/login" in added.stdout
    assert "https://tool.example.org/lti/launch" in added.stdout
    assert "https://tool.example.org/lti/jwks.json" in added.stdout

    canvas = run(
        cli_env,
        "platform",
        "add",
        "--issuer",
        "https://canvas.instructure.com",
        "--client-id",
        "10000000000001",
        "--auth-login-url",
        "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "--auth-token-url",
        "https://sso.canvaslms.com/login/oauth2/token",
        "--key-set-url",
        "https://sso.canvaslms.com/api/lti/security/jwks",
        "--deployment-id",
        "5:abc",
    )
    assert canvas.returncode == 0
    second_client = run(
        cli_env,
        "platform",
        "add",
        "--issuer",
        "https://canvas.instructure.com",
        "--client-id",
        "10000000000002",
        "--auth-login-url",
        "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "--auth-token-url",
        "https://sso.canvaslms.com/login/oauth2/token",
        "--key-set-url",
        "https://sso.canvaslms.com/api/lti/security/jwks",
        "--deployment-id",
        "7:def",
    )
    assert second_client.returncode == 0

    listed = run(cli_env, "platform", "list").stdout
    assert "https://moodle.example.edu  client_id=k2Jq8eXz1Pw4YtN" in listed
    assert "deployment 1" in listed and "deployment 2" in listed
    assert "client_id=10000000000001" in listed and "client_id=10000000000002" in listed

    run(
        cli_env,
        "platform",
        "remove",
        "--issuer",
        "https://moodle.example.edu",
        "--client-id",
        "k2Jq8eXz1Pw4YtN",
    )
    assert "moodle.example.edu" not in run(cli_env, "platform", "list").stdout

    missing = run(
        cli_env,
        "platform",
        "remove",
        "--issuer",
        "https://moodle.example.edu",
        "--client-id",
        "k2Jq8eXz1Pw4YtN",
        check=False,
    )
    assert missing.returncode != 0
    assert "no registration" in missing.stderr


def test_a_second_client_id_of_a_known_platform_does_not_rename_the_first(cli_env):
    run(cli_env, "platform", "add", *MOODLE)
    second = [*MOODLE[:2], "--client-id", "SecondClient999", *MOODLE[4:-2],
              "--name", "Moodle, the nursing school's tool"]  # fmt: skip
    run(cli_env, "platform", "add", *second)

    listed = run(cli_env, "platform", "list").stdout
    assert "client_id=k2Jq8eXz1Pw4YtN  name=Example Moodle" in listed
    assert "client_id=SecondClient999  name=Moodle, the nursing school's tool" in listed
    # naming one again renames that one only
    run(cli_env, "platform", "add", *MOODLE[:-2], "--name", "Example Moodle, main")
    listed = run(cli_env, "platform", "list").stdout
    assert "client_id=k2Jq8eXz1Pw4YtN  name=Example Moodle, main" in listed
    assert "client_id=SecondClient999  name=Moodle, the nursing school's tool" in listed


def test_platform_add_refuses_bad_urls(cli_env):
    bad = run(
        cli_env,
        "platform",
        "add",
        *MOODLE[:6],
        "--auth-token-url",
        "ftp://x",
        "--key-set-url",
        "https://moodle.example.edu/mod/lti/certs.php",
        "--deployment-id",
        "1",
        check=False,
    )
    assert bad.returncode == 2
    assert "--auth-token-url must be an absolute http(s) URL" in bad.stderr


def test_urls_prints_what_the_admin_enters(cli_env):
    out = run(cli_env, "urls").stdout
    assert "Initiate login URL (OIDC login):   https://tool.example.org/lti/login" in out
    assert "Public keyset URL (JWKS):          https://tool.example.org/lti/jwks.json" in out
    assert "Enter URL): https://tool.example.org/lti/canvas.json" in out


def test_keys_generate_rotate_list(cli_env, tmp_path):
    keys_dir = tmp_path / "fresh-keys"
    env = {**cli_env, "LTI_TOOL_KEYS_DIR": str(keys_dir)}
    first = re.search(r"current key (\S+)", run(env, "keys", "generate").stdout).group(1)
    assert not keys_dir.exists()  # kept in the database, nothing on disk
    rotated = run(env, "keys", "rotate").stdout
    new = re.search(r"new current key (\S+)", rotated).group(1)
    assert f"retired {first}" in rotated
    listing = run(env, "keys", "list").stdout
    assert f"{new}" in listing and "current" in listing
    assert f"{first}" in listing and "published until grace ends" in listing


def test_an_old_key_folder_is_imported_once(cli_env, keys_dir):
    (old,) = key_files.list_keys(keys_dir)
    assert f"current key {old.kid}" in run(cli_env, "keys", "generate").stdout
    assert f"current key {old.kid}" in run(cli_env, "keys", "generate").stdout
    listing = run(cli_env, "keys", "list").stdout.splitlines()
    assert len(listing) == 1 and listing[0].startswith(old.kid)


def test_keys_in_the_database_need_their_encryption_key(cli_env):
    run(cli_env, "keys", "generate")
    missing = {k: v for k, v in cli_env.items() if k != "LTI_TOOL_KEY_ENCRYPTION_KEY"}
    wrong = {**cli_env, "LTI_TOOL_KEY_ENCRYPTION_KEY": KeyCipher.new_key()}
    malformed = {**cli_env, "LTI_TOOL_KEY_ENCRYPTION_KEY": "not-a-key"}
    for env, says in ((missing, "set LTI_TOOL_KEY_ENCRYPTION_KEY"),
                      (wrong, "does not decrypt the signing keys"),
                      (malformed, "must be Fernet keys")):  # fmt: skip
        result = run(env, "keys", "list", check=False)
        assert result.returncode != 0
        assert says in result.stderr
        assert cli_env["LTI_TOOL_KEY_ENCRYPTION_KEY"] not in result.stderr


def test_the_encryption_key_can_be_changed(cli_env):
    kid = re.search(r"current key (\S+)", run(cli_env, "keys", "generate").stdout).group(1)
    new_key = run(cli_env, "keys", "new-encryption-key").stdout.strip()
    both = {**cli_env, "LTI_TOOL_KEY_ENCRYPTION_KEY": f"{new_key},{KEY_ENCRYPTION_KEY}"}
    assert "re-encrypted 1 keys" in run(both, "keys", "reencrypt").stdout
    only_new = {**cli_env, "LTI_TOOL_KEY_ENCRYPTION_KEY": new_key}
    assert f"current key {kid}" in run(only_new, "keys", "generate").stdout
    assert run(cli_env, "keys", "list", check=False).returncode != 0


def test_db_upgrade_and_routes(cli_env, tmp_path):
    env = {**cli_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    assert "database at" in run(env, "db", "upgrade").stdout
    routes = run(env, "routes").stdout
    assert "/lti/login" in routes and "/lti/jwks.json" in routes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_serves_the_sandbox_and_a_launch_works(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "LTI_TOOL_INSTANCE_PATH": str(tmp_path / "instance"),
        "LTI_TOOL_KEYS_DIR": str(tmp_path / "keys"),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "LTI_TOOL_BASE_URL"):
        env.pop(name, None)
    process = subprocess.Popen(
        [LTI_TOOL, "demo", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = ""
        deadline = time.monotonic() + 60
        while "Open http" not in line and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line or process.poll() is None, "demo exited early"
        assert f"http://127.0.0.1:{port}/sandbox/" in line
        base = f"http://127.0.0.1:{port}"
        http = requests.Session()
        index = http.get(base + "/sandbox/", timeout=10)
        assert index.status_code == 200
        link = re.search(r'<option value="(demo-[^"]+)"', index.text).group(1)
        page = http.post(
            base + "/sandbox/launch",
            timeout=10,
            data={
                "name": "Demo Learner",
                "role": "learner",
                "lang": "fr",
                "message": "resource",
                "link": link,
            },
        )
        login = http.get(parse(page.text).iframes[0], allow_redirects=False, timeout=10)
        auth = http.get(login_next(login), timeout=10)
        form = parse(auth.text).forms[0]
        launched = http.post(form.action, data=form.fields, timeout=10)
        assert launched.status_code == 200
        assert parse(launched.text).html_lang == "fr"
        assert (tmp_path / "instance" / "lti_tool.sqlite3").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_admin_create_user_and_grades_status(cli_env):
    short = subprocess.run([LTI_TOOL, "admin", "create-user", "root", "--password", "short"],
                           env=cli_env, capture_output=True, text=True, check=False)  # fmt: skip
    assert short.returncode == 2
    created = run(cli_env, "admin", "create-user", "root", "--password", "long enough password")
    assert "can sign in" in created.stdout
    status = run(cli_env, "grades", "status").stdout
    assert "pending       0" in status
    assert "oldest pending -" in status
    resent = run(cli_env, "grades", "resend", "--pending", "--failed").stdout
    assert "queued 0 deliveries again" in resent


def test_platform_invite_lists_and_withdraws_registration_links(cli_env):
    made = run(cli_env, "platform", "invite", "--name", "Our\x07 Moodle", "--hours", "2").stdout
    assert re.search(r"https://tool\.example\.org/lti/register/[\w-]{40,}", made)
    listed = run(cli_env, "platform", "invites").stdout
    number = re.search(r"#(\d+)  Our Moodle  made ", listed).group(1)
    assert "withdrawn" in run(cli_env, "platform", "withdraw-invite", number).stdout
    assert "no registration link can be used" in run(cli_env, "platform", "invites").stdout
    again = run(cli_env, "platform", "withdraw-invite", number, check=False)
    assert again.returncode == 1 and f"no registration link #{number}" in again.stderr
    assert run(cli_env, "platform", "invite", "--hours", "0", check=False).returncode == 2

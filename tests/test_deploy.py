"""`backprop-explorer deploy` (explorer/deploy.py): the nginx config it writes, the servers'
command lines, and what it says when it cannot run.  Served for real, in Chromium, in
tests/browser/test_deployed.py.

The tests that run nginx skip when it is not installed, except under CI (CI is set),
where scripts/test installs it: there they fail instead.
"""
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import cli, deploy, serving
from explorer.deploy import Backend, nginx_config

BACKENDS = [Backend("b1", 40001), Backend("b2", 40002), Backend("b3", 40003)]


def nginx_or_skip() -> str:
    """The nginx program; a skip if it is missing (a failure under CI)."""
    found = deploy.find_nginx()
    if found:
        return found
    message = ("nginx is not installed: sudo apt-get install -y --no-install-recommends nginx "
               "(scripts/test installs it)")
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must run the nginx tests", pytrace=False)
    pytest.skip(message)


def blocks(text: str, keyword: str) -> dict[str, str]:
    """The bodies of ``keyword NAME [RESULT] { ... }`` blocks without nested braces (an
    upstream, a map), by NAME."""
    return dict(re.findall(rf"{keyword} (\S+)(?: \S+)? \{{([^{{}}]*)\}}", text))


def servers(body: str) -> list[str]:
    return re.findall(r"^\s*server (127\.0\.0\.1:\d+(?: backup)?);", body, re.M)


def test_websockets_pass_through_unbuffered_with_long_timeouts():
    text = nginx_config(BACKENDS, 8080, "/srv/state")
    assert re.search(r"map \$http_upgrade \$connection_upgrade \{\s*default upgrade;\s*''\s+close;",
                     text)
    for line in ("proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
                 "proxy_set_header Connection $connection_upgrade;", "proxy_buffering off;",
                 "proxy_read_timeout 3600s;", "proxy_send_timeout 3600s;",
                 "proxy_set_header Host $host:$server_port;",
                 "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                 "proxy_set_header X-Forwarded-Proto $scheme;"):
        assert line in text, line


def test_browsers_without_a_cookie_go_round_robin_over_one_line_per_server():
    upstreams = blocks(nginx_config(BACKENDS, 8080, "/srv/state"), "upstream")
    assert servers(upstreams["bpe_any"]) == ["127.0.0.1:40001", "127.0.0.1:40002",
                                             "127.0.0.1:40003"]


def test_a_cookie_names_its_server_and_the_others_stand_in_when_it_has_gone():
    text = nginx_config(BACKENDS, 8080, "/srv/state")
    upstreams = blocks(text, "upstream")
    assert servers(upstreams["bpe_b2"]) == ["127.0.0.1:40002", "127.0.0.1:40001 backup",
                                            "127.0.0.1:40003 backup"]
    assert len(upstreams) == 1 + len(BACKENDS)
    chosen = blocks(text, "map")["$cookie_bpe_backend"]
    assert re.findall(r"^\s*(\S+) (\S+);", chosen, re.M) == [
        ("default", "bpe_any"), ("b1", "bpe_b1"), ("b2", "bpe_b2"), ("b3", "bpe_b3")]
    assert "proxy_pass http://$bpe_upstream;" in text
    assert "proxy_next_upstream error timeout;" in text
    directives = re.sub(r"#.*", "", text)  # the comments say why not ip_hash
    assert "ip_hash" not in directives and "sticky" not in directives and "hash " not in directives


def test_the_answer_sets_the_cookie_of_the_server_that_gave_it():
    text = nginx_config(BACKENDS, 8080, "/srv/state")
    answered = blocks(text, "map")["$upstream_addr"]
    pairs = re.findall(r'"~(.+)" "bpe_backend=(\w+);', answered)
    assert [name for _, name in pairs] == ["b1", "b2", "b3"]
    pattern = {name: re.compile(regex) for regex, name in pairs}
    # the last address tried is the one that answered: b2 refused, b3 answered
    assert [n for n, p in pattern.items() if p.search("127.0.0.1:40002, 127.0.0.1:40003")] == ["b3"]
    assert not pattern["b1"].search("127.0.0.1:400011")
    assert "add_header Set-Cookie $bpe_set_cookie always;" in text


def test_everything_nginx_writes_is_in_the_state_dir_and_it_stays_in_the_foreground():
    text = nginx_config(BACKENDS, 8080, "/srv/state")
    assert "daemon off;" in text
    for directive in ("pid", "error_log", "access_log", "client_body_temp_path",
                      "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path",
                      "scgi_temp_path"):
        found = re.findall(rf"^\s*{directive} (\S+?)[ ;]", text, re.M)
        assert found and all(p.startswith("/srv/state/") for p in found), (directive, found)
    assert not re.search(r"^\s*user\s", text, re.M)  # whoever starts it: no root needed


def test_alone_it_listens_on_localhost_and_for_a_class_on_every_interface():
    assert re.findall(r"listen (\S+);", nginx_config(BACKENDS, 8080, "/s")) == ["127.0.0.1:8080"]
    assert re.findall(r"listen (\S+);", nginx_config(BACKENDS, 80, "/s", classroom=True)) == ["80"]


@pytest.mark.parametrize("count, classroom", [(1, False), (4, True)])
def test_nginx_accepts_the_config(tmp_path, count, classroom):
    nginx = nginx_or_skip()
    backends = [Backend(f"b{i}", port) for i, port in enumerate(deploy.free_ports(count), 1)]
    config = tmp_path / "nginx.conf"
    config.write_text(nginx_config(backends, 8080, tmp_path, classroom))
    result = subprocess.run([nginx, "-t", "-c", str(config), "-p", str(tmp_path), "-e", "stderr"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_without_nginx_it_says_how_to_install_it_and_where_the_config_is(tmp_path, capsys):
    state = tmp_path / "state"
    code = cli.main(["deploy", "--procs", "2", "--port", str(deploy.free_ports(1)[0]),
                     "--state-dir", str(state), "--nginx", str(tmp_path / "no-such-nginx")])
    out, err = capsys.readouterr()
    assert code == 2
    assert "sudo apt-get install -y nginx" in err
    config = state / "nginx.conf"
    assert str(config) in out and str(config) in err
    assert len(servers(blocks(config.read_text(), "upstream")["bpe_any"])) == 2
    assert not (state / "servers.json").exists()  # no server was started


def test_every_server_gets_the_deploys_options_and_takes_pages_from_its_public_address():
    args = deploy.parser().parse_args(
        ["--procs", "3", "--port", "8080", "--preset", "circle", "--max-sessions", "25",
         "--max-params", "5000", "--max-session-mb", "12.5", "--admin", "--classroom",
         "--check-unused-sessions", "500", "--unused-session-lifetime", "1000"])
    origins = ["localhost:8080", "127.0.0.1:8080", "192.168.1.20:8080", "school.example:443"]
    cmd = deploy.backend_command(args, 41000, origins, Path("/state/roster"),
                                 "http://192.168.1.20:8080/app")
    assert cmd[1:5] == ["-m", "explorer.cli", "--port", "41000"]
    options = " ".join(cmd[5:])
    for expected in ("--preset circle", "--max-sessions 25", "--max-params 5000",
                     "--max-session-mb 12.5", "--admin", "--check-unused-sessions 500",
                     "--unused-session-lifetime 1000",
                     # they count together, and each shows nginx's link on /classroom
                     "--roster-dir /state/roster", "--projector-url http://192.168.1.20:8080/app"):
        assert expected in options
    assert re.findall(r"--allow-origin (\S+)", options) == origins
    # nginx listens for the class; the servers stay on 127.0.0.1
    assert "--classroom" not in cmd and "--procs" not in cmd


@pytest.mark.parametrize("cores, procs, given, each", [
    (2, 2, 0, 1), (8, 3, 0, 2), (2, 4, 0, 1), (2, 2, 3, 3)])
def test_the_servers_share_the_cores_between_their_training_workers(
        cores, procs, given, each, monkeypatch):
    monkeypatch.setattr(deploy.os, "sched_getaffinity", lambda pid: set(range(cores)),
                        raising=False)
    args = deploy.parser().parse_args(["--procs", str(procs), "--training-workers", str(given)])
    cmd = deploy.backend_command(args, 41000, [])
    assert cmd[cmd.index("--training-workers") + 1] == str(each)


def test_the_servers_take_pages_from_nginxs_port_not_their_own():
    args = deploy.parser().parse_args(["--port", "8080", "--allow-origin", "proxy.example"])
    origins, _ = deploy.settings(args)
    assert origins == ["localhost:8080", "127.0.0.1:8080", "proxy.example:80"]


@pytest.mark.parametrize("argv, says", [
    (["--procs", "0"], "--procs must be at least 1"),
    (["--max-sessions", "0"], "--max-sessions must be at least 1"),
    (["--allow-origin", "a b"], "--allow-origin takes HOST"),
    (["--roster-dir", "/tmp/x"], "--roster-dir is deploy's to set"),
])
def test_wrong_options_exit_2_naming_the_option(tmp_path, capsys, argv, says):
    code = deploy.main(["--port", str(deploy.free_ports(1)[0]), "--state-dir",
                        str(tmp_path), *argv])
    assert code == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "nginx.conf").exists()


def test_a_port_in_use_exits_2_and_says_to_choose_another(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = deploy.main(["--port", str(taken.getsockname()[1]), "--state-dir", str(tmp_path)])
    assert code == 2
    assert "is in use" in capsys.readouterr().err


def test_deploy_has_its_help_and_the_plain_server_points_to_it(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["deploy", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "backprop-explorer deploy" in out and "--procs" in out and "--max-sessions" in out
    assert "backprop-explorer deploy" in cli.parser().format_help()


def test_a_new_deploy_forgets_the_counts_an_earlier_one_left_in_its_state_dir(tmp_path):
    left = tmp_path / deploy.ROSTER / "4242.sessions"  # a server killed mid-lesson
    left.parent.mkdir()
    left.write_text("12")
    assert deploy.make_state_dir(str(tmp_path)) == tmp_path
    assert not left.exists()


def test_a_state_dir_a_running_deploy_uses_is_refused_and_a_stale_one_is_taken(tmp_path):
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                               "explorer.cli"])  # looks like one of deploy's servers
    try:
        (tmp_path / "servers.json").write_text(json.dumps({"b1": {"pid": server.pid}}))
        with pytest.raises(ValueError, match="a deploy still running"):
            deploy.make_state_dir(str(tmp_path))
        assert (tmp_path / "servers.json").exists()
    finally:
        server.kill()
        server.wait(10)
    assert deploy.make_state_dir(str(tmp_path)) == tmp_path  # its pid is gone now
    assert not (tmp_path / "servers.json").exists()


@pytest.mark.parametrize("argv, shown", [
    ([], None),
    (["--projector-url", "https://school.example/app"], "https://school.example/app"),
    (["--classroom", "--port", "8080"], "http://192.168.1.20:8080/app"),
    (["--classroom", "--projector-url", "https://school.example/app"],
     "https://school.example/app"),
])
def test_the_projector_page_shows_nginxs_link_or_the_one_given(argv, shown, monkeypatch):
    monkeypatch.setattr(serving, "lan_addresses", lambda: ["192.168.1.20"])
    assert deploy.projector_url(deploy.parser().parse_args(argv)) == shown

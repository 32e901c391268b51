import pytest

from runtime.core.config import ConfigurationError, Environment, one_of, positive_int


def test_all_problems_are_reported_at_once() -> None:
    env = Environment({"DAYS": "zero", "LEVEL": "TRACE"})
    env.required("TABLE")
    env.required("DAYS", parse=positive_int)
    env.optional("LEVEL", "INFO", parse=one_of("DEBUG", "INFO"))
    with pytest.raises(ConfigurationError) as failure:
        env.check()
    assert [p.split(" ")[0] for p in failure.value.problems] == ["TABLE", "DAYS", "LEVEL"]
    assert "TABLE is required" in str(failure.value)


def test_values_are_parsed_and_defaults_applied() -> None:
    env = Environment({"TABLE": "hot", "DAYS": "30"})
    assert env.required("TABLE") == "hot"
    assert env.required("DAYS", parse=positive_int) == 30
    assert env.optional("LEVEL", "INFO") == "INFO"
    env.check()


def test_mode_picks_the_configured_one() -> None:
    env = Environment({"REMOTE_URL": "https://x", "REMOTE_TOKEN_SECRET": "s"})
    mode = env.mode(local={"TABLE": str}, remote={"REMOTE_URL": str, "REMOTE_TOKEN_SECRET": str})
    assert mode == ("remote", {"REMOTE_URL": "https://x", "REMOTE_TOKEN_SECRET": "s"})
    env.check()


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({}, "none is set"),
        ({"TABLE": "t", "REMOTE_URL": "https://x"}, "local and remote are both set"),
        ({"REMOTE_URL": "https://x"}, "REMOTE_TOKEN_SECRET is required"),
    ],
)
def test_mode_problems(environ: dict, problem: str) -> None:
    env = Environment(environ)
    env.mode(local={"TABLE": str}, remote={"REMOTE_URL": str, "REMOTE_TOKEN_SECRET": str})
    with pytest.raises(ConfigurationError, match=problem):
        env.check()

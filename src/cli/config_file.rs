//! `wirecopy serve --config FILE`: options from a TOML file, under the
//! same names as the flags (`max-subscribers = 64`; `max_subscribers`
//! works too).
//!
//! Precedence is flags, then environment variables, then the file, then
//! the defaults. The file's settings are turned into flags and the command
//! line is parsed again, so a value in the file is checked exactly as the
//! same flag would be, and the error names the flag.

use std::{ffi::OsString, path::Path};

use anyhow::{bail, Context};
use clap::{parser::ValueSource, ArgMatches, CommandFactory, FromArgMatches};

/// Parses `args` as `C`; when its `serve` subcommand names a config file,
/// fills in the options the command line and environment left unset.
pub fn parse_with_config<C: CommandFactory + FromArgMatches>(
    args: Vec<OsString>,
) -> anyhow::Result<C> {
    let matches = C::command()
        .try_get_matches_from(&args)
        .unwrap_or_else(|error| error.exit());
    let Some(("serve", serve)) = matches.subcommand() else {
        return Ok(C::from_arg_matches(&matches)?);
    };
    let Some(path) = serve.get_one::<std::path::PathBuf>("config") else {
        return Ok(C::from_arg_matches(&matches)?);
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let command = C::command();
    let Some(serve_command) = command.find_subcommand("serve") else {
        return Ok(C::from_arg_matches(&matches)?);
    };
    let extra = flags_from_file(&text, path, serve_command, serve)?;
    let mut args = args;
    args.extend(extra);
    let matches = C::command()
        .try_get_matches_from(&args)
        .map_err(|error| anyhow::anyhow!("in {}: {error}", path.display()))?;
    Ok(C::from_arg_matches(&matches)?)
}

/// The flags that `text` (a TOML table) adds to `serve`'s command line.
fn flags_from_file(
    text: &str,
    path: &Path,
    command: &clap::Command,
    serve: &ArgMatches,
) -> anyhow::Result<Vec<OsString>> {
    let table: toml::Table =
        toml::from_str(text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let mut flags = Vec::new();
    for (key, value) in table {
        let name = key.replace('_', "-");
        let Some(arg) = command
            .get_arguments()
            .find(|arg| arg.get_long() == Some(name.as_str()) && name != "config")
        else {
            bail!("{}: unknown option `{key}`", path.display());
        };
        let given = matches!(
            serve.value_source(arg.get_id().as_str()),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        );
        if given {
            continue;
        }
        match value {
            toml::Value::Boolean(true) => flags.push(format!("--{name}").into()),
            toml::Value::Boolean(false) => {}
            toml::Value::String(text) => flags.push(format!("--{name}={text}").into()),
            toml::Value::Integer(number) => flags.push(format!("--{name}={number}").into()),
            toml::Value::Float(number) => flags.push(format!("--{name}={number}").into()),
            other => bail!(
                "{}: option `{key}` must be a string, number or boolean, not {}",
                path.display(),
                other.type_str()
            ),
        }
    }
    Ok(flags)
}

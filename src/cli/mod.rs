//! The command line: `wirecopy serve` runs the server, the other
//! subcommands are a gRPC client for people and scripts (readable output by
//! default, `--json` for machines).

mod backup;
mod client;
mod config_file;
mod input;
mod output;
mod passages;
mod serve;
mod submit;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// wirecopy finds wire copy in news articles, paragraph by paragraph.
#[derive(Debug, Parser)]
#[command(name = "wirecopy", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gRPC server (on the embedded sled store unless --store
    /// memory).
    Serve(serve::ServeArgs),
    /// Submit articles from files and directories: plain text (first line
    /// is the title), saved HTML pages, and JSON or JSON Lines of wirecopy,
    /// news-please or trafilatura records (recognised automatically).
    Submit(submit::SubmitArgs),
    /// Show a stored article and its analysis.
    Get(client::GetArgs),
    /// List the articles sharing copied text with an article.
    Dupes(client::GetArgs),
    /// Follow the fact stream, printing events as they arrive.
    Subscribe(client::SubscribeArgs),
    /// List the facts of a stored article.
    Facts(client::GetArgs),
    /// Delete stored articles by id (needs the `delete` scope when the
    /// server has tokens).
    Delete(client::DeleteArgs),
    /// Write every stored article, in storage order, as JSON Lines (a
    /// backup that `import` restores).
    Export(backup::ExportArgs),
    /// Restore articles written by `export` into a server, in order.
    Import(backup::ImportArgs),
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = match config_file::parse_with_config::<Cli>(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Submit(args) => submit::submit(args).await,
            Command::Get(args) => client::get(args).await,
            Command::Dupes(args) => client::dupes(args).await,
            Command::Subscribe(args) => client::subscribe(args).await,
            Command::Facts(args) => client::facts(args).await,
            Command::Delete(args) => client::delete(args).await,
            Command::Export(args) => backup::export(args).await,
            Command::Import(args) => backup::import(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) if is_closed_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// True when the reader of our output went away (`| head`).
fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

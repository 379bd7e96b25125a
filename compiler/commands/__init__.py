"""One module per subcommand: each turns parsed options into a stage call and an exit code."""

"""The update pipeline, one module a step: crawl (child process) -> normalizing -> guards ->
store -> verdicts -> build and publish (publish/) -> deliver. `update.run_update` shows the flow."""

"""sanctions-feed: command line, configuration and scheduling over spiders/, normalize/,
schemas/ and publish/."""

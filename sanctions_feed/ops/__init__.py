"""Operations: the update lock, logs, the scheduler and the configuration file."""

"""The composer: a JSON editor that validates as you type, and repeat sending."""

"""The Action Panel and its action forms: a declarative form per seed action over the services."""

"""The browser side of gongkai: a Datasette plugin (review routes, charts, login) plus metadata."""

"""The demo institution and the dataset generator, at the top of the apps: they use every app, none uses them."""

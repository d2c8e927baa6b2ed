"""The demo's story decided in memory (`demo.story.build.build_plan`), before `demo.load` writes it."""

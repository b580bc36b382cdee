"""The ToneMatch AI web app (`tonematch app`): a Streamlit page that uploads a DI and a
reference, runs the matcher, plays the results through the engine's chain and downloads the rig.

`launch` starts the server, `page` is the Streamlit script; the other modules hold the logic the
page uses and are tested on their own.
"""

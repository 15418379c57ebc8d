"""A Django REST framework project authenticated by SimpleJWT, used as a real peer backend.

`simplejwt_peer.settings` keeps SimpleJWT's defaults; `simplejwt_peer.settings_rotating` turns on
refresh-token rotation with the blacklist app. Pick one with DJANGO_SETTINGS_MODULE.
"""

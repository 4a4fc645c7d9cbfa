"""Hosted HTML pages: the landing page, the provider console and the website flow."""

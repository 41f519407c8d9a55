"""The remote image proxy of `remoteImages: proxy`."""

"""CONTEST Hub: a council's delivery of CONTEST, with the national threat level in view."""

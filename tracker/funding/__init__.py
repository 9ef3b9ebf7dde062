"""Funding: fair shares, transition fund, capital bids, reallocation, awards to practices."""

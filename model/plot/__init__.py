"""Maps and charts of inputs and results (static matplotlib, offline folium)."""

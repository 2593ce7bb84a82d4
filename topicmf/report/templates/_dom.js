"use strict";
// Building the page's elements: untrusted text (corpus words, ids, user and item names) goes in only as
// text (textContent) or as the value of a non-URL attribute, never parsed as HTML.  Shared by the pages.
const SVG = "http://www.w3.org/2000/svg";
function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
function sv(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

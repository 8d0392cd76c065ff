/*
 * workloads/xalan/stylesheets.cpp - the XSLT 1.0 stylesheets of the
 * xalanc workload, one per kind of work an XSLT processor allocates for:
 *
 *   sort     multi-key xsl:sort (text, number, descending) of every item
 *   group    Muenchian grouping with xsl:key, sums, and key lookups of the
 *            references between items
 *   strings  string building: concat, translate, substring-before/after,
 *            normalize-space, a recursive template that reverses the first
 *            words of each text, result-tree fragments held in variables
 *            (the recursion depth is bounded: with Xalan-C 1.12 deep string
 *            recursion makes the time grow with the square of the document)
 *   number   xsl:number: counted at one and two levels, and from a value,
 *            in several formats (parts are numbered from position(): with
 *            Xalan-C 1.12, counting them makes the time quadratic)
 *   html     HTML output method: a table with computed attributes and links
 *
 * Kept inline (raw strings) so that the program needs no data files.
 */
#include "config.h"

#include "stylesheets.hpp"

#define XSL_OPEN "<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">\n"

static const char sort_xsl[] = XSL_OPEN R"XSL(
<xsl:output method="xml" indent="yes"/>
<xsl:template match="/">
  <sorted>
    <xsl:for-each select="//item">
      <xsl:sort select="@category"/>
      <xsl:sort select="@price" data-type="number" order="descending"/>
      <xsl:sort select="name"/>
      <item id="{@id}" cat="{@category}" price="{@price}" qty="{@qty}">
        <xsl:value-of select="name"/>
      </item>
    </xsl:for-each>
  </sorted>
</xsl:template>
</xsl:stylesheet>
)XSL";

static const char group_xsl[] = XSL_OPEN R"XSL(
<xsl:output method="xml" indent="yes"/>
<xsl:key name="by-cat" match="item" use="@category"/>
<xsl:key name="by-id" match="item" use="@id"/>
<xsl:key name="by-tag" match="item" use="tag"/>
<xsl:template match="/">
  <groups>
    <xsl:for-each select="//item[generate-id() = generate-id(key('by-cat', @category)[1])]">
      <xsl:sort select="@category"/>
      <xsl:variable name="members" select="key('by-cat', @category)"/>
      <group cat="{@category}" count="{count($members)}"
             total="{format-number(sum($members/@price), '0.00')}"
             qty="{sum($members/@qty)}">
        <xsl:for-each select="$members">
          <xsl:sort select="@id"/>
          <member id="{@id}" refers-to="{key('by-id', @ref)/name}"
                  same-tag="{count(key('by-tag', tag[1]))}"/>
        </xsl:for-each>
      </group>
    </xsl:for-each>
  </groups>
</xsl:template>
</xsl:stylesheet>
)XSL";

static const char strings_xsl[] = XSL_OPEN R"XSL(
<xsl:output method="text"/>
<xsl:template match="/">
  <xsl:apply-templates select="//item"/>
</xsl:template>
<xsl:template match="item">
  <xsl:variable name="tags">
    <xsl:for-each select="tag">
      <xsl:value-of select="."/>
      <xsl:if test="position() != last()">,</xsl:if>
    </xsl:for-each>
  </xsl:variable>
  <xsl:variable name="desc" select="normalize-space(desc)"/>
  <xsl:value-of select="concat(@id, ':', translate(name, 'abcdefghijklmnopqrstuvwxyz',
                        'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), ' [', string($tags), '] ')"/>
  <xsl:value-of select="concat(substring-before($desc, ' '), '|',
                        substring-after($desc, ' '), '|', string-length($desc))"/>
  <xsl:text> ~ </xsl:text>
  <xsl:call-template name="reverse">
    <xsl:with-param name="s" select="$desc"/>
    <xsl:with-param name="depth" select="12"/>
  </xsl:call-template>
  <xsl:text>&#10;</xsl:text>
</xsl:template>
<xsl:template name="reverse">
  <xsl:param name="s"/>
  <xsl:param name="depth"/>
  <xsl:choose>
    <xsl:when test="$depth &gt; 0 and contains($s, ' ')">
      <xsl:call-template name="reverse">
        <xsl:with-param name="s" select="substring-after($s, ' ')"/>
        <xsl:with-param name="depth" select="$depth - 1"/>
      </xsl:call-template>
      <xsl:value-of select="concat(' ', substring-before($s, ' '))"/>
    </xsl:when>
    <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
  </xsl:choose>
</xsl:template>
</xsl:stylesheet>
)XSL";

static const char number_xsl[] = XSL_OPEN R"XSL(
<xsl:output method="xml" indent="no"/>
<xsl:template match="/">
  <toc><xsl:apply-templates select="catalog/section"/></toc>
</xsl:template>
<xsl:template match="section">
  <s n="{position()}">
    <xsl:number format="I. "/>
    <xsl:value-of select="@title"/>
    <xsl:apply-templates select="item"/>
  </s>
</xsl:template>
<xsl:template match="item">
  <i>
    <xsl:number level="multiple" count="section|item" format="1.a "/>
    <xsl:value-of select="name"/>
    <xsl:for-each select="part">
      <p><xsl:number value="position()" format="(i) "/><xsl:value-of select="."/></p>
    </xsl:for-each>
  </i>
</xsl:template>
</xsl:stylesheet>
)XSL";

static const char html_xsl[] = XSL_OPEN R"XSL(
<xsl:output method="html" indent="yes"/>
<xsl:template match="/">
  <html>
    <head><title>catalog</title></head>
    <body>
      <xsl:for-each select="catalog/section">
        <h2 id="{@id}"><xsl:value-of select="@title"/></h2>
        <table>
          <tr><th>id</th><th>name</th><th>price</th><th>tags</th><th>see</th></tr>
          <xsl:for-each select="item">
            <tr class="{concat('row', position() mod 2, ' ', @category)}">
              <td><xsl:value-of select="@id"/></td>
              <td><b><xsl:value-of select="name"/></b><br/>
                  <xsl:value-of select="substring(desc, 1, 40)"/></td>
              <td><xsl:value-of select="format-number(@price * @qty, '#,##0.00')"/></td>
              <td><xsl:for-each select="tag"><i><xsl:value-of select="."/></i> </xsl:for-each></td>
              <td><a href="#{@ref}"><xsl:value-of select="@ref"/></a></td>
            </tr>
          </xsl:for-each>
        </table>
      </xsl:for-each>
    </body>
  </html>
</xsl:template>
</xsl:stylesheet>
)XSL";

const xalanc_stylesheet xalanc_stylesheets[] = {
	{ "sort", sort_xsl },
	{ "group", group_xsl },
	{ "strings", strings_xsl },
	{ "number", number_xsl },
	{ "html", html_xsl },
	{ nullptr, nullptr },
};

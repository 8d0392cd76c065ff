<?xml version="1.0"?>
<!-- tests/alloc/catalog.xsl - a stylesheet for the Xalan run of
     real-programs.sh: sorting, grouping keys, string functions. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text"/>
  <xsl:key name="by-shelf" match="book" use="@shelf"/>
  <xsl:template match="/catalog">
    <xsl:for-each select="book[generate-id() = generate-id(key('by-shelf', @shelf)[1])]">
      <xsl:sort select="@shelf" data-type="number"/>
      <xsl:text>shelf </xsl:text><xsl:value-of select="@shelf"/>
      <xsl:text>: </xsl:text><xsl:value-of select="count(key('by-shelf', @shelf))"/>
      <xsl:text> books, </xsl:text><xsl:value-of select="sum(key('by-shelf', @shelf)/price)"/>
      <xsl:text>&#10;</xsl:text>
    </xsl:for-each>
    <xsl:for-each select="book">
      <xsl:sort select="price" data-type="number" order="descending"/>
      <xsl:sort select="title"/>
      <xsl:if test="position() &lt;= 200">
        <xsl:value-of select="concat(translate(title, 'abcdefghij', 'ABCDEFGHIJ'), ' ', price, '&#10;')"/>
      </xsl:if>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
